# expect: none
# fixed shape for si07: grading is a service class like the others; the private helper
# stays a function
class EnrollStudent:
    def __init__(self, course, student):
        self.course = course
        self.student = student

    def execute(self):
        return self.course.enrollments.create(student=self.student)


class DropStudent:
    def __init__(self, enrollment):
        self.enrollment = enrollment

    def execute(self):
        self.enrollment.dropped = True
        return self.enrollment


class GradeStudent:
    def __init__(self, enrollment, points):
        self.enrollment = enrollment
        self.points = points

    def execute(self):
        self.enrollment.grade = _letter(self.points)
        return self.enrollment


def _letter(points):
    return "A" if points >= 90 else "B" if points >= 75 else "C"
