// C++ across shared libraries: virtual calls both ways, RTTI, static
// objects, standard containers passed across, and a plugin's factory.
#include <dlfcn.h>

#include <cstdio>
#include <memory>

#include "shape.h"

struct Triangle : Shape {
  Triangle(double b, double h) : Shape("triangle"), b(b), h(h) {}
  double area() const override { return b * h / 2; }
  double b, h;
};

// Derives from a library's class and calls the library's virtual method
// through its own vtable.
struct Labeled : Circle {
  explicit Labeled(double r) : Circle(r) {}
  std::string describe() const override { return "labeled " + Circle::describe(); }
};

struct MainStatic {
  MainStatic() { std::printf("main: static constructor\n"); }
  ~MainStatic() { std::printf("main: static destructor\n"); }
} main_static;

int main() {
  std::vector<Shape *> shapes;
  shapes.push_back(new Circle(2));
  shapes.push_back(make_polygon("square", 3));
  shapes.push_back(new Triangle(4, 5));
  shapes.push_back(new Labeled(1));
  std::printf("alive: %d\n", shapes_alive);
  std::printf("total area: %d\n", int(total_area(shapes)));
  for (auto &kv : count_kinds(shapes)) std::printf("kind %s: %d\n", kv.first.c_str(), kv.second);
  std::printf("circles (dynamic_cast in a library): %d\n", circles_in(shapes));
  for (auto *s : shapes) {
    std::printf("%s | %s | typeid %s\n", s->describe().c_str(), poly_report(*s).c_str(), kind_of(*s));
    if (auto *p = dynamic_cast<Polygon *>(s)) std::printf("  a polygon (dynamic_cast in the main), perimeter %d\n", int(p->perimeter()));
  }

  void *h = dlopen("libplugin.so", RTLD_NOW);
  if (!h) {
    std::printf("dlopen: %s\n", dlerror());
    return 1;
  }
  auto create = reinterpret_cast<Shape *(*)(double)>(dlsym(h, "create_shape"));
  std::unique_ptr<Shape> hex(create(2));
  std::printf("plugin: %s | %s | polygon %s\n", hex->describe().c_str(), poly_report(*hex).c_str(),
              dynamic_cast<Polygon *>(hex.get()) ? "yes" : "no");
  hex.reset();
  std::printf("dlclose = %d\n", dlclose(h));

  for (auto *s : shapes) delete s;
  std::printf("alive: %d\n", shapes_alive);
  return 0;
}
