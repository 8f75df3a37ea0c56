# expect: none
# fixed shape for r8_37: rename() raises ProjectNotFound and DuplicateProjectName like the
# other methods; only the API layer turns them into HTTP responses
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from projects.models import Project


class ProjectError(Exception):
    pass


class ProjectNotFound(ProjectError):
    pass


class DuplicateProjectName(ProjectError):
    pass


class ProjectService:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def create(self, owner_id: int, name: str) -> Project:
        project = Project(owner_id=owner_id, name=name)
        try:
            async with self.session.begin():
                self.session.add(project)
        except IntegrityError:
            raise DuplicateProjectName(name) from None
        return project

    async def archive(self, project_id: int) -> Project:
        async with self.session.begin():
            project = await self.session.get(Project, project_id)
            if project is None:
                raise ProjectNotFound(project_id)
            project.archived = True
        return project

    async def rename(self, project_id: int, name: str) -> Project:
        try:
            async with self.session.begin():
                project = await self.session.get(Project, project_id)
                if project is None:
                    raise ProjectNotFound(project_id)
                project.name = name
        except IntegrityError:
            raise DuplicateProjectName(name) from None
        return project
