from setuptools import setup

setup(name="shapes", version="0.9", packages=["shapes"])
