# expect: non-uniform-interface
# pattern: every CustomerService method raises CustomerNotFound for an unknown id, except
#          change_email(), which returns None; the API view serializes None and answers
#          200 with an empty body
from customers.models import Customer


class CustomerNotFound(Exception):
    def __init__(self, customer_id):
        super().__init__(f"customer {customer_id} not found")
        self.customer_id = customer_id


class CustomerService:
    def get(self, customer_id) -> Customer:
        try:
            return Customer.objects.get(pk=customer_id)
        except Customer.DoesNotExist:
            raise CustomerNotFound(customer_id) from None

    def deactivate(self, customer_id) -> Customer:
        customer = self.get(customer_id)
        customer.is_active = False
        customer.save(update_fields=["is_active"])
        return customer

    def change_email(self, customer_id, email) -> Customer | None:  # expect-line
        customer = Customer.objects.filter(pk=customer_id).first()
        if customer is None:
            return None
        customer.email = email
        customer.email_verified = False
        customer.save(update_fields=["email", "email_verified"])
        return customer
