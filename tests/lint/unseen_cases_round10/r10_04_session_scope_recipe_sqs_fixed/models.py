from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Upload(Base):
    __tablename__ = "uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int]
    s3_key: Mapped[str] = mapped_column(String(1024))
    state: Mapped[str] = mapped_column(String(16))


class UploadVariant(Base):
    __tablename__ = "upload_variants"

    id: Mapped[int] = mapped_column(primary_key=True)
    upload_id: Mapped[int] = mapped_column(ForeignKey("uploads.id"))
    name: Mapped[str] = mapped_column(String(32))
