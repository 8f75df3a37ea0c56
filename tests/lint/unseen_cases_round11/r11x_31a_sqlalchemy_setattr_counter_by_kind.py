# expect: missing-lock
# pattern: a download counter picks its column by the file kind and adds one with
#          getattr()/setattr() on the row loaded through the session. Two downloads read
#          the same count, and the flush of the later one overwrites the other.
from sqlalchemy.orm import Session

from files.models import DownloadStats


def count_download(session: Session, file_id: int, kind: str) -> None:
    stats = session.get(DownloadStats, file_id)
    if kind == "pdf":
        setattr(stats, "pdf_downloads", getattr(stats, "pdf_downloads") + 1)  # expect-line
    session.commit()
