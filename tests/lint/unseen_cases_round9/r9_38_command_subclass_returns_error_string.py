# expect: non-uniform-interface
# pattern: folder commands derive from FolderCommand, whose execute() returns the result
#          or raises CommandFailed. DeleteFolder.execute() returns an error string instead
from abc import ABC, abstractmethod

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from drive.models import Folder, Share


class CommandFailed(Exception):
    pass


class FolderCommand(ABC):
    def __init__(self, folder: Folder) -> None:
        self.folder = folder

    @abstractmethod
    def execute(self):
        """Run the command and return its result; raise CommandFailed when it cannot."""


class RenameFolder(FolderCommand):
    def __init__(self, folder: Folder, new_name: str) -> None:
        super().__init__(folder)
        self.new_name = new_name

    def execute(self) -> Folder:
        self.folder.name = self.new_name
        try:
            with transaction.atomic():
                self.folder.save(update_fields=["name"])
        except IntegrityError:
            raise CommandFailed(f"a folder named {self.new_name!r} already exists here") from None
        return self.folder


class ShareFolder(FolderCommand):
    def __init__(self, folder: Folder, user, can_edit: bool) -> None:
        super().__init__(folder)
        self.user = user
        self.can_edit = can_edit

    def execute(self) -> Share:
        try:
            with transaction.atomic():
                return Share.objects.create(folder=self.folder, user=self.user, can_edit=self.can_edit)
        except IntegrityError:
            raise CommandFailed(f"folder {self.folder.pk} is already shared with this user") from None


class DeleteFolder(FolderCommand):
    def execute(self):  # expect-line: returns an error string instead of raising CommandFailed
        try:
            self.folder.delete()
        except ProtectedError:
            return "folder is not empty"
        return None
