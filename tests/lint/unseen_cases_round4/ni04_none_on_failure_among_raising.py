# expect: non-uniform-interface
# pattern: customer services raise ValidationError on bad input, except one that returns
#          None; its caller stores None as the order's customer and fails much later
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from crm.models import Customer


class CreateCustomer:
    def __init__(self, email, name):
        self.email = email
        self.name = name

    def call(self):
        validate_email(self.email)
        if not self.name:
            raise ValidationError("the name is empty")
        return Customer.objects.create(email=self.email.lower(), name=self.name)


class UpdateCustomerEmail:
    def __init__(self, customer, email):
        self.customer = customer
        self.email = email

    def call(self):
        validate_email(self.email)
        self.customer.email = self.email.lower()
        self.customer.save(update_fields=["email"])
        return self.customer


class FindOrCreateCustomer:
    def __init__(self, email, name):
        self.email = email
        self.name = name

    def call(self):  # expect-line
        try:
            validate_email(self.email)
        except ValidationError:
            return None
        customer, _ = Customer.objects.get_or_create(
            email=self.email.lower(), defaults={"name": self.name}
        )
        return customer
