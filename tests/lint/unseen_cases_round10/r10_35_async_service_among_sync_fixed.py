# expect: none
# fixed shape for r10_35: every service in the module is synchronous
from library.errors import NotFound
from library.models import Book, Loan, Member


class BookLookupService:
    def execute(self, isbn: str) -> Book:
        book = Book.objects.filter(isbn=isbn).first()
        if book is None:
            raise NotFound(f"book {isbn}")
        return book


class MemberLookupService:
    def execute(self, card_number: str) -> Member:
        member = Member.objects.filter(card_number=card_number).first()
        if member is None:
            raise NotFound(f"member card {card_number}")
        return member


class LoanHistoryService:
    def execute(self, member_id: int) -> list[Loan]:
        return list(Loan.objects.filter(member_id=member_id).order_by("-started_at"))
