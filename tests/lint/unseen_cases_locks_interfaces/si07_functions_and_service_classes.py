# expect: non-uniform-interface
# pattern: a services module where most services are classes run with execute(), but
#          one is a module-level function with its own signature
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


def grade_student(enrollment, grade):  # expect-line
    enrollment.grade = grade
    return enrollment


def _letter(points):
    return "A" if points >= 90 else "B" if points >= 75 else "C"
