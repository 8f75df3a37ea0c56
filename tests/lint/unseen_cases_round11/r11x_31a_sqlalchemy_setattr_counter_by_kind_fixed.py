# expect: none
# fixed shape: one UPDATE adds to the column in the database
from sqlalchemy import update
from sqlalchemy.orm import Session

from files.models import DownloadStats


def count_download(session: Session, file_id: int, kind: str) -> None:
    if kind == "pdf":
        session.execute(
            update(DownloadStats)
            .where(DownloadStats.id == file_id)
            .values(pdf_downloads=DownloadStats.pdf_downloads + 1)
        )
    session.commit()
