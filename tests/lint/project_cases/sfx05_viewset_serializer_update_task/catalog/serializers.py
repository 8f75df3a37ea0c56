# expect: side-effect-in-transaction
# pattern: the viewset leaves serializer.save() to Django REST framework, which runs the
#          serializer's update() inside the request transaction (ATOMIC_REQUESTS); the
#          reindex task can run before the new price commits and index the old one
from rest_framework import serializers

from catalog.models import Product
from catalog.tasks import reindex_product


class ProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "title", "price"]

    def update(self, instance, validated_data):
        product = super().update(instance, validated_data)
        reindex_product.delay(product.pk)  # expect-line
        return product
