# expect: side-effect-in-transaction
import aioboto3
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Invoice

QUEUE_URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/invoices"


async def issue_invoice(session: AsyncSession, customer_id: int, total: int) -> Invoice:
    invoice = Invoice(customer_id=customer_id, total=total, status="issued")
    session.add(invoice)
    await session.flush()
    boto = aioboto3.Session()
    async with boto.client("sqs") as sqs:
        await sqs.send_message(QueueUrl=QUEUE_URL, MessageBody=str(invoice.id))  # expect-line
    await session.commit()
    return invoice
