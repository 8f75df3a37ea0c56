# expect: none
from django.db.models import F
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from .models import Product


class ProductViewSet(viewsets.ModelViewSet):
    queryset = Product.objects.all()

    @action(detail=True, methods=["post"])
    def restock(self, request, pk=None):
        product = self.get_object()
        Product.objects.filter(pk=product.pk).update(stock=F("stock") + int(request.data["quantity"]))
        product.refresh_from_db(fields=["stock"])
        return Response({"stock": product.stock})
