# expect: none
# fixed shape for r10_13: the index is rebuilt from committed rows after the block
import json
from pathlib import Path

from django.conf import settings
from django.db import transaction

from packages.models import Release


def publish_release(project, version, files):
    with transaction.atomic():
        release = Release.objects.create(project=project, version=version, published=True)
        for upload in files:
            release.files.create(filename=upload.name, sha256=upload.sha256, size=upload.size)
    versions = list(project.releases.filter(published=True).values_list("version", flat=True))
    index_path = Path(settings.PACKAGE_INDEX_ROOT) / project.name / "index.json"
    index_path.write_text(json.dumps({"project": project.name, "versions": versions}))
    return release
