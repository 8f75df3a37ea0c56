class ServiceError(Exception):
    """Base class of the errors that account services raise."""


class ValidationFailed(ServiceError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
