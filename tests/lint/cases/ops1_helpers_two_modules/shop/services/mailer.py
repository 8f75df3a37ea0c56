from django.core import mail


def send_confirmation(address, order_id):
    mail.send_mail("Order confirmed", f"Order {order_id} is confirmed.", None, [address])  # expect-line
