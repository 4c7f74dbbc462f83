// libplugin.so, opened with dlopen: a factory for a Shape the plugin
// defines, whose virtuals the main calls.
#include "shape.h"

struct Hexagon : Polygon {
  explicit Hexagon(double s) : Polygon("hexagon", {s, s, s, s, s, s}) {}
  double area() const override { return 2.6 * sides[0] * sides[0]; }
  std::string describe() const override { return "a plugin's hexagon, perimeter " + std::to_string(int(perimeter())); }
};

extern "C" Shape *create_shape(double size) { return new Hexagon(size); }
