# expect: non-uniform-interface
# pattern: async project services raise ProjectError subclasses that the API maps to
#          responses, except rename(), which raises FastAPI's HTTPException; the CLI and
#          the worker that call the same service catch ProjectError and crash on it
from fastapi import HTTPException
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

    async def rename(self, project_id: int, name: str) -> Project:  # expect-line
        try:
            async with self.session.begin():
                project = await self.session.get(Project, project_id)
                if project is None:
                    raise HTTPException(status_code=404, detail="project not found")
                project.name = name
        except IntegrityError:
            raise HTTPException(status_code=409, detail="a project with this name exists") from None
        return project
