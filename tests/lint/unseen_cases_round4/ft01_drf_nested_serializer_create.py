# expect: forgotten-transaction
# pattern: a nested DRF serializer creates the order, then one row per item in autocommit
#          mode; an unknown SKU on the third item raises after the order and two lines
#          are already committed
from rest_framework import serializers

from shop.models import Order, OrderItem, Product


class OrderItemSerializer(serializers.Serializer):
    sku = serializers.CharField()
    quantity = serializers.IntegerField(min_value=1)


class OrderSerializer(serializers.ModelSerializer):
    items = OrderItemSerializer(many=True)

    class Meta:
        model = Order
        fields = ["id", "customer", "items"]

    def create(self, validated_data):
        items = validated_data.pop("items")
        order = Order.objects.create(**validated_data)  # expect-line
        for item in items:
            product = Product.objects.get(sku=item["sku"])
            OrderItem.objects.create(
                order=order,
                product=product,
                quantity=item["quantity"],
                unit_price=product.price,
            )
        return order
