from setuptools import find_packages, setup

setup(name="units", version="1.4.0", packages=find_packages(exclude=["tests", "tests.*"]))
