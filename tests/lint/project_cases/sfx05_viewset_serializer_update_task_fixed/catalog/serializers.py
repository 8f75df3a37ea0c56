# expect: none
# fixed shape for sfx05: the task is enqueued once the request transaction commits
from django.db import transaction
from rest_framework import serializers

from catalog.models import Product
from catalog.tasks import reindex_product


class ProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "title", "price"]

    def update(self, instance, validated_data):
        product = super().update(instance, validated_data)
        transaction.on_commit(lambda: reindex_product.delay(product.pk))
        return product
