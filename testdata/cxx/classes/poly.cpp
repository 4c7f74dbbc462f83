#include <cstdio>

#include "shape.h"

Polygon::Polygon(std::string name, std::vector<double> sides) : Shape(std::move(name)), sides(std::move(sides)) {}
std::string Polygon::describe() const { return "a polygon with " + std::to_string(sides.size()) + " sides"; }
double Polygon::perimeter() const {
  double p = 0;
  for (double s : sides) p += s;
  return p;
}

Square::Square(double s) : Polygon("square", {s, s, s, s}) {}
double Square::area() const { return sides[0] * sides[0]; }

Polygon *make_polygon(const std::string &kind, double size) {
  if (kind == "square") return new Square(size);
  return nullptr;
}

std::string poly_report(const Shape &s) { return s.name() + ": " + s.describe() + ", area " + std::to_string(int(s.area())); }

struct PolyInit {
  PolyInit() { std::printf("libpoly: static constructor\n"); }
  ~PolyInit() { std::printf("libpoly: static destructor\n"); }
} poly_init;
