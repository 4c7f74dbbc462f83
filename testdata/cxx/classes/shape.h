// A class hierarchy split over libshape.so (Shape, Circle), libpoly.so
// (Polygon, Square) and the main (Triangle, Labeled).
#pragma once
#include <map>
#include <string>
#include <vector>

struct Shape {
  explicit Shape(std::string name);
  virtual ~Shape();
  virtual double area() const = 0;
  virtual std::string describe() const;
  const std::string &name() const { return name_; }

 private:
  std::string name_;
};

struct Circle : Shape {
  explicit Circle(double r);
  double area() const override;
  std::string describe() const override;
  double r;
};

struct Polygon : Shape {
  Polygon(std::string name, std::vector<double> sides);
  std::string describe() const override;
  double perimeter() const;
  std::vector<double> sides;
};

struct Square : Polygon {
  explicit Square(double s);
  double area() const override;
};

// libshape.so
double total_area(const std::vector<Shape *> &shapes);
std::map<std::string, int> count_kinds(const std::vector<Shape *> &shapes);
int circles_in(const std::vector<Shape *> &shapes); // dynamic_cast
const char *kind_of(const Shape &s);                // typeid
extern int shapes_alive;
// libpoly.so
Polygon *make_polygon(const std::string &kind, double size);
std::string poly_report(const Shape &s); // calls virtuals defined in the main
