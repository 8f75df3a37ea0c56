# expect: none
# fixed shape for svc01: every service is built with its inputs and called with call()
class CreateUser:
    def __init__(self, email, name):
        self.email = email
        self.name = name

    def call(self):
        return {"email": self.email, "name": self.name}


class InviteUser:
    def __init__(self, email):
        self.email = email

    def call(self):
        return {"email": self.email}


class DeactivateUser:
    def __init__(self, user):
        self.user = user

    def call(self):
        self.user["active"] = False
        return self.user
