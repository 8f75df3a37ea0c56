# expect: none
# fixed shape for tx03: the deletion and its audit entry commit together
from django.db import transaction

from audit.models import AuditEntry
from documents.models import Document


@transaction.atomic
def delete_document(user, document_id):
    document = Document.objects.get(pk=document_id, owner=user)
    document.delete()
    AuditEntry.objects.create(actor=user, action="document.delete", target=str(document_id))
