"""OPS309 on a service method or function that fails another way than its siblings.

The siblings raise the layer's own errors and return the result. The one that departs
returns a pair, a response, ``None`` for a missing object or a success flag, raises an
HTTP error or a built-in exception, or wraps only some of its results in a result object.
"""

from __future__ import annotations

from pathlib import Path

from opsgen.lint.examples import lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example, Finding


def _findings(example: Example | str, tmp_path: Path) -> list[Finding]:
    example = Example(example) if isinstance(example, str) else example
    return lint_example(example, [rule for rule in load_rules() if rule.code == "OPS309"], tmp_path)


def _lines(example: Example | str, tmp_path: Path) -> list[int]:
    return [finding.line for finding in _findings(example, tmp_path)]


ORDER_SERVICE = (
    "class OrderError(Exception):\n"  # 1
    "    pass\n\n"
    "class OrderNotFound(OrderError):\n"  # 4
    "    pass\n\n"
    "class OrderService:\n"  # 7
    "    def get(self, order_id):\n"
    "        try:\n"
    "            return Order.objects.get(pk=order_id)\n"  # 10
    "        except Order.DoesNotExist:\n"
    "            raise OrderNotFound(order_id) from None\n\n"
    "    def ship(self, order_id):\n"  # 14
    "        order = self.get(order_id)\n"
    "        if order.shipped:\n"
    "            raise OrderError('already shipped')\n"
    "        order.shipped = True\n"
    "        order.save()\n"
    "        return order\n\n"
    "{method}"  # 22
)


def test_pair_among_raising_methods(tmp_path: Path) -> None:
    method = (
        "    def cancel(self, order_id):\n"
        "        order = Order.objects.filter(pk=order_id).first()\n"
        "        if order is None:\n"
        "            return None, 'unknown order'\n"
        "        order.delete()\n"
        "        return order, None\n"
    )
    findings = _findings(ORDER_SERVICE.format(method=method), tmp_path)
    assert [f.line for f in findings] == [22]
    assert "(result, error) pair" in findings[0].message
    assert "OrderService.cancel()" in findings[0].message


def test_created_flag_pair_silent(tmp_path: Path) -> None:
    method = (
        "    def ensure(self, number):\n"
        "        order = Order.objects.filter(number=number).first()\n"
        "        if order is not None:\n"
        "            return order, False\n"
        "        return Order.objects.create(number=number), True\n"
    )
    assert _lines(ORDER_SERVICE.format(method=method), tmp_path) == []


def test_one_raising_sibling_is_no_convention(tmp_path: Path) -> None:
    source = (
        "class OrderService:\n"
        "    def ship(self, order):\n"
        "        if order.shipped:\n"
        "            raise ValueError('already shipped')\n"
        "        return order\n\n"
        "    def cancel(self, order):\n"
        "        return None, 'not allowed'\n"
    )
    assert _lines(source, tmp_path) == []


def test_service_base_class_counts(tmp_path: Path) -> None:
    method = "    def quote(self, order_id):\n        return JsonResponse({'total': 1})\n"
    source = ORDER_SERVICE.format(method=method).replace("class OrderService:", "class Orders(BaseService):")
    assert _lines("from django.http import JsonResponse\n" + source, tmp_path) == [23]


def test_none_for_missing_object(tmp_path: Path) -> None:
    method = (
        "    def rename(self, order_id, name):\n"
        "        order = Order.objects.filter(pk=order_id).first()\n"
        "        if order is None:\n"
        "            return None\n"
        "        order.name = name\n"
        "        order.save()\n"
        "        return order\n"
    )
    findings = _findings(ORDER_SERVICE.format(method=method), tmp_path / "if")
    assert [f.line for f in findings] == [22]
    assert "None when the object it looks up is missing" in findings[0].message
    handler = (
        "    def rename(self, order_id, name):\n"
        "        try:\n"
        "            order = Order.objects.get(pk=order_id)\n"
        "        except Order.DoesNotExist:\n"
        "            return None\n"
        "        order.name = name\n"
        "        order.save()\n"
        "        return order\n"
    )
    assert _lines(ORDER_SERVICE.format(method=handler), tmp_path / "except") == [22]


def test_finder_returning_none_silent(tmp_path: Path) -> None:
    finder = (
        "    def find(self, order_id):\n"
        "        order = Order.objects.filter(pk=order_id).first()\n"
        "        if order is None:\n"
        "            return None\n"
        "        return order\n"
    )
    assert _lines(ORDER_SERVICE.format(method=finder), tmp_path / "finder") == []
    logged = finder.replace("            return None\n", "            logger.warning('order %s not found', order_id)\n            return None\n")
    assert _lines(ORDER_SERVICE.format(method=logged), tmp_path / "logged") == []
    # Siblings that raise for other reasons than a missing object set no convention for it.
    no_lookup = (
        "class OrderService:\n"
        "    def ship(self, order):\n"
        "        if order.shipped:\n"
        "            raise ValueError('already shipped')\n"
        "        return order\n\n"
        "    def pay(self, order):\n"
        "        if order.paid:\n"
        "            raise ValueError('already paid')\n"
        "        return order\n\n"
        "    def rename(self, order_id, name):\n"
        "        order = Order.objects.filter(pk=order_id).first()\n"
        "        if order is None:\n"
        "            return None\n"
        "        order.name = name\n"
        "        return order\n"
    )
    assert _lines(no_lookup, tmp_path / "no_lookup") == []
    # An empty argument is no missing object.
    empty_argument = (
        "    def tag(self, order_id, tags):\n"
        "        if not tags:\n"
        "            return None\n"
        "        order = self.get(order_id)\n"
        "        order.tags = tags\n"
        "        return order\n"
    )
    assert _lines(ORDER_SERVICE.format(method=empty_argument), tmp_path / "empty_argument") == []


def test_success_flag_among_raising_methods(tmp_path: Path) -> None:
    method = (
        "    def cancel(self, order_id) -> bool:\n"
        "        updated = Order.objects.filter(pk=order_id, shipped=False).update(canceled=True)\n"
        "        return updated > 0\n"
    )
    findings = _findings(ORDER_SERVICE.format(method=method), tmp_path)
    assert [f.line for f in findings] == [22]
    assert "True or False" in findings[0].message


def test_success_flag_after_gateway_call(tmp_path: Path) -> None:
    method = (
        "    def void(self, order_id):\n"
        "        try:\n"
        "            self.gateway.void(order_id)\n"
        "        except GatewayError:\n"
        "            return False\n"
        "        return True\n"
    )
    assert _lines(ORDER_SERVICE.format(method=method), tmp_path) == [22]


def test_question_or_readonly_flag_silent(tmp_path: Path) -> None:
    question = (
        "    def can_cancel(self, order_id) -> bool:\n"
        "        return Order.objects.filter(pk=order_id, shipped=False).update(canceled=True) > 0\n"
    )
    assert _lines(ORDER_SERVICE.format(method=question), tmp_path / "question") == []
    readonly = "    def cancellable(self, order_id) -> bool:\n        return Order.objects.filter(pk=order_id, shipped=False).exists()\n"
    assert _lines(ORDER_SERVICE.format(method=readonly), tmp_path / "readonly") == []


def test_http_exception_among_own_errors(tmp_path: Path) -> None:
    method = (
        "    def refund(self, order_id):\n"
        "        order = self.get(order_id)\n"
        "        if not order.paid:\n"
        "            raise HTTPException(status_code=409, detail='not paid')\n"
        "        return order\n"
    )
    source = "from fastapi import HTTPException\n" + ORDER_SERVICE.format(method=method)
    findings = _findings(source, tmp_path / "fastapi")
    assert [f.line for f in findings] == [23]
    assert "raises HTTPException, an HTTP error of the web framework" in findings[0].message
    assert "OrderNotFound and OrderError" in findings[0].message
    abort = "    def refund(self, order_id):\n        order = self.get(order_id)\n        if not order.paid:\n            abort(409)\n        return order\n"
    flask = "from flask import abort\n" + ORDER_SERVICE.format(method=abort)
    assert _lines(flask, tmp_path / "flask") == [23]
    lookup = "    def refund(self, order_id):\n        order = get_object_or_404(Order, pk=order_id)\n        order.refunded = True\n        return order\n"
    django = "from django.shortcuts import get_object_or_404\n" + ORDER_SERVICE.format(method=lookup)
    findings = _findings(django, tmp_path / "django")
    assert [f.line for f in findings] == [23]
    assert "raises Http404 from get_object_or_404()" in findings[0].message


def test_http_exception_of_the_project_silent(tmp_path: Path) -> None:
    method = (
        "    def refund(self, order_id):\n"
        "        raise HTTPException('not paid')\n"
    )
    local = "class HTTPException(Exception):\n    pass\n\n" + ORDER_SERVICE.format(method=method)
    assert _lines(local, tmp_path / "local") == []
    everywhere = (
        "from fastapi import HTTPException\n\n"
        "class OrderService:\n"
        "    def get(self, order_id):\n"
        "        raise HTTPException(404)\n\n"
        "    def ship(self, order_id):\n"
        "        raise HTTPException(409)\n\n"
        "    def refund(self, order_id):\n"
        "        raise HTTPException(402)\n"
    )
    assert _lines(everywhere, tmp_path / "everywhere") == []


def test_builtin_errors_among_own_errors(tmp_path: Path) -> None:
    method = (
        "    def discount(self, order_id, percent):\n"
        "        if not 0 < percent < 100:\n"
        "            raise ValueError(percent)\n"
        "        order = self.get(order_id)\n"
        "        order.discount = percent\n"
        "        return order\n"
    )
    findings = _findings(ORDER_SERVICE.format(method=method), tmp_path)
    assert [f.line for f in findings] == [22]
    assert "raises the built-in ValueError" in findings[0].message


def test_programming_or_mixed_builtin_errors_silent(tmp_path: Path) -> None:
    type_error = "    def discount(self, order_id, percent):\n        if not isinstance(percent, int):\n            raise TypeError(percent)\n        return percent\n"
    assert _lines(ORDER_SERVICE.format(method=type_error), tmp_path / "type") == []
    mixed = (
        "    def discount(self, order_id, percent):\n"
        "        if percent < 0:\n"
        "            raise ValueError(percent)\n"
        "        if percent > 50:\n"
        "            raise OrderError('discount too large')\n"
        "        return percent\n"
    )
    assert _lines(ORDER_SERVICE.format(method=mixed), tmp_path / "mixed") == []


RESULT_SERVICE = (
    "class Result:\n"
    "    def __init__(self, ok, value=None):\n"
    "        self.ok = ok\n"
    "        self.value = value\n\n"
    "class ParcelService:\n"
    "    def quote(self, parcel):\n"
    "        return Result(True, parcel.weight * 2)\n\n"
    "    def book(self, parcel):\n"
    "        if parcel.booked:\n"
    "            return Result(False)\n"
    "        return Result(True, Booking.objects.create(parcel=parcel))\n\n"
    "    def labels(self, parcel):\n"  # 15
    "        if not parcel.booked:\n"
    "            return Result(False)\n"
    "        return {value}\n"
)


def test_result_object_on_some_paths(tmp_path: Path) -> None:
    findings = _findings(RESULT_SERVICE.format(value="[label.url for label in parcel.labels.all()]"), tmp_path / "bare")
    assert [f.line for f in findings] == [15]
    assert "a result object on some paths" in findings[0].message
    assert _lines(RESULT_SERVICE.format(value="Result(True, list(parcel.labels.all()))"), tmp_path / "wrapped") == []
    assert _lines(RESULT_SERVICE.format(value="self.wrap(parcel.labels.all())"), tmp_path / "helper") == []


SERVICES_PACKAGE = {
    "shop/__init__.py": "",
    "shop/services/__init__.py": "",
    "shop/services/errors.py": "class ShopError(Exception):\n    pass\n",
    "shop/services/carts.py": (
        "from shop.services.errors import ShopError\n\n"
        "def close_cart(cart):\n"
        "    if cart.closed:\n"
        "        raise ShopError('closed')\n"
        "    cart.closed = True\n"
        "    return cart\n"
    ),
    "shop/services/stock.py": (
        "from shop.services.errors import ShopError\n\n"
        "def reserve(item, count):\n"
        "    if item.count < count:\n"
        "        raise ShopError('not enough stock')\n"
        "    item.count -= count\n"
        "    return item\n"
    ),
}


def test_package_module_compared_with_siblings(tmp_path: Path) -> None:
    envelope = "def pay(order):\n    if order.paid:\n        return {'ok': False, 'error': 'paid'}\n    return {'ok': True, 'order': order}\n"
    findings = _findings(Example(envelope, path="shop/services/payments.py", files=SERVICES_PACKAGE), tmp_path / "envelope")
    assert [f.line for f in findings] == [1]
    assert "the other service functions of package shop.services" in findings[0].message
    http = (
        "from fastapi import HTTPException\n\n"
        "def pay(order):\n"
        "    if order.paid:\n"
        "        raise HTTPException(409)\n"
        "    return order\n"
    )
    assert _lines(Example(http, path="shop/services/payments.py", files=SERVICES_PACKAGE), tmp_path / "http") == [3]
    uniform = "from shop.services.errors import ShopError\n\ndef pay(order):\n    if order.paid:\n        raise ShopError('paid')\n    return order\n"
    assert _lines(Example(uniform, path="shop/services/payments.py", files=SERVICES_PACKAGE), tmp_path / "uniform") == []


def test_package_outside_services_not_pooled(tmp_path: Path) -> None:
    files = {path.replace("shop/services/", "shop/helpers/"): text.replace("shop.services", "shop.helpers") for path, text in SERVICES_PACKAGE.items()}
    envelope = "def pay(order):\n    return {'ok': True, 'order': order}\n"
    assert _lines(Example(envelope, path="shop/helpers/payments.py", files=files), tmp_path) == []


def test_failure_response_or_envelope_on_one_path(tmp_path: Path) -> None:
    for name, failure in (("response", "JsonResponse({'error': 'paid'}, status=409)"), ("envelope", "{'ok': False, 'error': 'paid'}")):
        method = (
            "    def refund(self, order_id):\n"
            "        order = self.get(order_id)\n"
            "        if not order.paid:\n"
            f"            return {failure}\n"
            "        order.refunded = True\n"
            "        return order\n"
        )
        findings = _findings(ORDER_SERVICE.format(method=method), tmp_path / name)
        assert [f.line for f in findings] == [22], name
        assert "on some paths" in findings[0].message


def test_lookup_that_raises_counts(tmp_path: Path) -> None:
    source = (
        "class OrderService:\n"
        "    def ship(self, order_id):\n"
        "        order = Order.objects.get(pk=order_id)\n"
        "        order.shipped = True\n"
        "        return order\n\n"
        "    def pay(self, order_id):\n"
        "        order = session.execute(select(Order).filter_by(id=order_id)).scalar_one()\n"
        "        order.paid = True\n"
        "        return order\n\n"
        "    def rename(self, order_id, name):\n"
        "        order = Order.objects.filter(pk=order_id).first()\n"
        "        if order is None:\n"
        "            return None\n"
        "        order.name = name\n"
        "        return order\n"
    )
    assert _lines(source, tmp_path) == [12]
