from billing.models import InvoiceNumber


def reserve_number(session, invoice):
    session.add(InvoiceNumber(invoice_id=invoice.id))
    _store(session)


def _store(db_session):
    db_session.commit()
