# expect: forgotten-transaction
# pattern: a recipe and its ingredient rows are saved one by one in autocommit mode; an
#          invalid ingredient leaves a recipe with half of its ingredients
from recipes.models import Ingredient, Recipe


def save_recipe(author, title, ingredients):
    recipe = Recipe(author=author, title=title)
    recipe.save()  # expect-line
    for name, grams in ingredients:
        ingredient = Ingredient(recipe=recipe, name=name, grams=grams)
        ingredient.save()
    return recipe
