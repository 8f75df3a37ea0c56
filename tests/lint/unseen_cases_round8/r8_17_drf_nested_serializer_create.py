# expect: forgotten-transaction
# pattern: a writable nested serializer creates the recipe, its ingredients and its steps
#          in autocommit mode; an invalid step leaves a recipe with ingredients and no
#          steps in the database, and the client's retry creates a second copy
from rest_framework import serializers

from recipes.models import Ingredient, Recipe, Step


class IngredientSerializer(serializers.ModelSerializer):
    class Meta:
        model = Ingredient
        fields = ["name", "quantity", "unit"]


class StepSerializer(serializers.ModelSerializer):
    class Meta:
        model = Step
        fields = ["text", "duration_minutes"]


class RecipeSerializer(serializers.ModelSerializer):
    ingredients = IngredientSerializer(many=True)
    steps = StepSerializer(many=True)

    class Meta:
        model = Recipe
        fields = ["id", "title", "servings", "ingredients", "steps"]

    def create(self, validated_data):
        ingredients = validated_data.pop("ingredients")
        steps = validated_data.pop("steps")
        recipe = Recipe.objects.create(author=self.context["request"].user, **validated_data)  # expect-line
        for ingredient in ingredients:
            Ingredient.objects.create(recipe=recipe, **ingredient)
        Step.objects.bulk_create(
            [Step(recipe=recipe, position=position, **step) for position, step in enumerate(steps, 1)]
        )
        return recipe
