# expect: non-uniform-interface
# pattern: notification services are built and then called with send(), except one
#          whose send() is a classmethod taking its inputs, so callers mix the two forms
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
    @classmethod
    def send(cls, invoice):  # expect-line
        return f"invoice {invoice.number} for {invoice.customer.email}"
