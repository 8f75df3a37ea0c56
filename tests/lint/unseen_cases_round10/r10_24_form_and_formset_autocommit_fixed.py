# expect: none
# fixed shape for r10_24: the form and the formset are saved in one transaction
from django.db import transaction
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
        with transaction.atomic():
            self.object = form.save()
            ingredients.save()
        return HttpResponseRedirect(self.get_success_url())
