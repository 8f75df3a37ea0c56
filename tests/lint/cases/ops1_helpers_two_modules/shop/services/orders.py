from shop.services import mailer


def confirm(order):
    order.confirmed = True
    mailer.send_confirmation(order.customer.email, order.pk)
