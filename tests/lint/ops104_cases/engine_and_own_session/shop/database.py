from sqlalchemy import create_engine
from sqlalchemy.orm import scoped_session, sessionmaker

engine = create_engine("postgresql+psycopg://shop@127.0.0.1/shop")
SessionLocal = sessionmaker(bind=engine)
db_session = scoped_session(sessionmaker(bind=engine))
