# expect: forgotten-transaction
# pattern: a document is deleted and an audit entry recorded in two autocommit writes;
#          a failing audit insert leaves a deletion nobody can trace
from audit.models import AuditEntry
from documents.models import Document


def delete_document(user, document_id):
    document = Document.objects.get(pk=document_id, owner=user)
    document.delete()  # expect-line
    AuditEntry.objects.create(actor=user, action="document.delete", target=str(document_id))
