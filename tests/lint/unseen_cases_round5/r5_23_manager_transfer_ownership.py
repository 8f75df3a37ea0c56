# expect: forgotten-transaction
# pattern: manager method changes the owner, drops the old membership and adds the new
#          one in autocommit; a failure half-way leaves a project with no admin member
from django.db import models


class ProjectManager(models.Manager):
    def transfer_ownership(self, project, new_owner):
        old_owner = project.owner
        project.owner = new_owner
        project.save(update_fields=["owner"])  # expect-line
        Membership.objects.filter(project=project, user=old_owner).delete()
        Membership.objects.create(project=project, user=new_owner, role="admin")
        return project


class Project(models.Model):
    name = models.CharField(max_length=100)
    owner = models.ForeignKey("auth.User", on_delete=models.PROTECT)

    objects = ProjectManager()


class Membership(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE)
    user = models.ForeignKey("auth.User", on_delete=models.CASCADE)
    role = models.CharField(max_length=16)
