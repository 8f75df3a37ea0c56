# expect: none
# fixed shape: the three statements run inside atomic()
from django.db import connection, transaction


def merge_tags(source_id, target_id):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE articles_article_tags SET tag_id = %s WHERE tag_id = %s AND article_id NOT IN "
            "(SELECT article_id FROM articles_article_tags WHERE tag_id = %s)",
            [target_id, source_id, target_id],
        )
        cursor.execute("DELETE FROM articles_article_tags WHERE tag_id = %s", [source_id])
        cursor.execute("DELETE FROM articles_tag WHERE id = %s", [source_id])
