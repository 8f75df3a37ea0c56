# expect: forgotten-transaction
# pattern: replacing a tenant's settings commits the merged row, then deletes the old
#          overrides and commits again; a failure between mixes old and new settings
from sqlalchemy import delete
from sqlalchemy.orm import Session

from app.models import Override, TenantSettings


def replace_settings(session: Session, tenant_id, values):
    session.merge(TenantSettings(tenant_id=tenant_id, **values))  # expect-line
    session.commit()
    session.execute(delete(Override).where(Override.tenant_id == tenant_id))
    session.commit()
