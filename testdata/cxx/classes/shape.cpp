#include <cstdio>
#include <typeinfo>

#include "shape.h"

int shapes_alive;

Shape::Shape(std::string name) : name_(std::move(name)) { shapes_alive++; }
Shape::~Shape() { shapes_alive--; }
std::string Shape::describe() const { return "a shape called " + name_; }

Circle::Circle(double r) : Shape("circle"), r(r) {}
double Circle::area() const { return 3.0 * r * r; }
std::string Circle::describe() const { return "a circle of radius " + std::to_string(int(r)); }

double total_area(const std::vector<Shape *> &shapes) {
  double a = 0;
  for (auto *s : shapes) a += s->area();
  return a;
}

std::map<std::string, int> count_kinds(const std::vector<Shape *> &shapes) {
  std::map<std::string, int> m;
  for (auto *s : shapes) m[s->name()]++;
  return m;
}

int circles_in(const std::vector<Shape *> &shapes) {
  int n = 0;
  for (auto *s : shapes)
    if (dynamic_cast<Circle *>(s)) n++;
  return n;
}

const char *kind_of(const Shape &s) {
  if (typeid(s) == typeid(Circle)) return "Circle";
  if (typeid(s) == typeid(Square)) return "Square";
  return "other";
}

// A static object with a constructor and a destructor that print.
struct Registry {
  Registry() { std::printf("libshape: static constructor\n"); }
  ~Registry() { std::printf("libshape: static destructor\n"); }
} registry;
