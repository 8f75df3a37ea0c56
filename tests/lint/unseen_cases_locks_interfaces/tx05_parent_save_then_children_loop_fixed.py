# expect: none
# fixed shape for tx05: the recipe and its ingredients are one transaction
from django.db import transaction

from recipes.models import Ingredient, Recipe


def save_recipe(author, title, ingredients):
    with transaction.atomic():
        recipe = Recipe(author=author, title=title)
        recipe.save()
        for name, grams in ingredients:
            ingredient = Ingredient(recipe=recipe, name=name, grams=grams)
            ingredient.save()
    return recipe
