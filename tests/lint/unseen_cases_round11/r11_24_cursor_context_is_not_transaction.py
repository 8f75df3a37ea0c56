# expect: forgotten-transaction
# pattern: "with connection.cursor()" only closes the cursor at the end. It is not a
#          transaction, and in Django's autocommit mode each execute() commits on its
#          own, so a failure after the first statement leaves two half-merged tags.
from django.db import connection


def merge_tags(source_id, target_id):
    with connection.cursor() as cursor:
        cursor.execute(  # expect-line
            "UPDATE articles_article_tags SET tag_id = %s WHERE tag_id = %s AND article_id NOT IN "
            "(SELECT article_id FROM articles_article_tags WHERE tag_id = %s)",
            [target_id, source_id, target_id],
        )
        cursor.execute("DELETE FROM articles_article_tags WHERE tag_id = %s", [source_id])
        cursor.execute("DELETE FROM articles_tag WHERE id = %s", [source_id])
