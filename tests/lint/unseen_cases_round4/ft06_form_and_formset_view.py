# expect: forgotten-transaction
# pattern: an edit view saves the recipe form, then its ingredient formset, in autocommit
#          mode; a formset save that fails on a unique constraint leaves the new title
#          with the old ingredients
from django.forms import inlineformset_factory
from django.shortcuts import get_object_or_404, redirect, render

from recipes.forms import RecipeForm
from recipes.models import Ingredient, Recipe

IngredientFormSet = inlineformset_factory(Recipe, Ingredient, fields=["name", "amount"], extra=2)


def edit_recipe(request, pk):
    recipe = get_object_or_404(Recipe, pk=pk, author=request.user)
    form = RecipeForm(request.POST or None, instance=recipe)
    formset = IngredientFormSet(request.POST or None, instance=recipe)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        form.save()  # expect-line
        formset.save()
        return redirect("recipes:detail", pk=recipe.pk)
    return render(request, "recipes/edit.html", {"form": form, "formset": formset})
