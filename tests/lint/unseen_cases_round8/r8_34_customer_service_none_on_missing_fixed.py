# expect: none
# fixed shape for r8_34: change_email() raises CustomerNotFound like the other methods
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

    def change_email(self, customer_id, email) -> Customer:
        customer = self.get(customer_id)
        customer.email = email
        customer.email_verified = False
        customer.save(update_fields=["email", "email_verified"])
        return customer
