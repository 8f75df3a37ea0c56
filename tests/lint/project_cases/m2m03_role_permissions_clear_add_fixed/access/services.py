# expect: none
# fixed shape for m2m03: one set() call, which Django runs in a transaction of its own;
#          the plain set below is not a related manager
from access.models import Permission, Role


def replace_permissions(role_id, codenames):
    role = Role.objects.get(pk=role_id)
    granted = list(Permission.objects.filter(codename__in=codenames))
    seen = set()
    for permission in granted:
        seen.add(permission.codename)
    missing = [name for name in codenames if name not in seen]
    if missing:
        raise ValueError(f"unknown permissions: {', '.join(missing)}")
    role.permissions.set(granted)
    return role
