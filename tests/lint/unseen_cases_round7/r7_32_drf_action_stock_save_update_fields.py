# expect: missing-lock
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from .models import Product


class ProductViewSet(viewsets.ModelViewSet):
    queryset = Product.objects.all()

    @action(detail=True, methods=["post"])
    def restock(self, request, pk=None):
        product = self.get_object()
        product.stock = product.stock + int(request.data["quantity"])  # expect-line
        product.save(update_fields=["stock"])
        return Response({"stock": product.stock})
