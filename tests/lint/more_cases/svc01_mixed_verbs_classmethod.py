# expect: non-uniform-interface
# pattern: account services with two verbs: callers write CreateUser.call(...) for one
#          and DeactivateUser(user).perform() for the other
class CreateUser:
    @classmethod
    def call(cls, email, name):
        return {"email": email, "name": name}


class InviteUser:
    @classmethod
    def call(cls, email):
        return {"email": email}


class DeactivateUser:
    def __init__(self, user):
        self.user = user

    def perform(self):  # expect-line
        self.user["active"] = False
        return self.user
