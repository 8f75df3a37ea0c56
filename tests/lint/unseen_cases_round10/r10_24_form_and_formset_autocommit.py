# expect: forgotten-transaction
# pattern: a class-based view saves the parent form and its inline formset in autocommit.
#          The Django admin wraps the same pair in atomic(), but this custom view does not.
from django.forms import inlineformset_factory
from django.http import HttpResponseRedirect
from django.views.generic import UpdateView

from recipes.forms import RecipeForm
from recipes.models import Ingredient, Recipe

IngredientFormSet = inlineformset_factory(Recipe, Ingredient, fields=["name", "quantity", "unit"], extra=1)


class RecipeUpdateView(UpdateView):
    model = Recipe
    form_class = RecipeForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["ingredients"] = IngredientFormSet(self.request.POST or None, instance=self.object)
        return context

    def form_valid(self, form):
        ingredients = IngredientFormSet(self.request.POST, instance=self.object)
        if not ingredients.is_valid():
            return self.form_invalid(form)
        self.object = form.save()  # expect-line
        ingredients.save()
        return HttpResponseRedirect(self.get_success_url())
