from django.conf import settings

from .gateways import StripeGateway
from .services import FulfilmentService

fulfilment = FulfilmentService(gateway=StripeGateway(settings.STRIPE_SECRET_KEY))
