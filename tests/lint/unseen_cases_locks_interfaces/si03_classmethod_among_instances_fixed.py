# expect: none
# fixed shape for si03: every notification is built with its inputs and sent with send()
class SendWelcome:
    def __init__(self, user):
        self.user = user

    def send(self):
        return f"welcome {self.user.email}"


class SendPasswordReset:
    def __init__(self, user, token):
        self.user = user
        self.token = token

    def send(self):
        return f"reset {self.user.email} {self.token}"


class SendInvoiceReady:
    def __init__(self, invoice):
        self.invoice = invoice

    def send(self):
        return f"invoice {self.invoice.number} for {self.invoice.customer.email}"
