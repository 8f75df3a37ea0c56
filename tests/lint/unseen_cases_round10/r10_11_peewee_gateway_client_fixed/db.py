from peewee import PostgresqlDatabase

db = PostgresqlDatabase("shop", user="shop", host="localhost")
