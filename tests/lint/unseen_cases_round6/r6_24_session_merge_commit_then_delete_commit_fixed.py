# expect: none
# fixed shape: one commit after both statements
from sqlalchemy import delete
from sqlalchemy.orm import Session

from app.models import Override, TenantSettings


def replace_settings(session: Session, tenant_id, values):
    session.merge(TenantSettings(tenant_id=tenant_id, **values))
    session.execute(delete(Override).where(Override.tenant_id == tenant_id))
    session.commit()
