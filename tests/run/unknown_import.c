/* Imports a function no host provides, so linking must fail and name it. */
__attribute__((import_module("env"), import_name("foo"))) int foo(int);

int main(int argc, char **argv) {
  (void)argv;
  return foo(argc);
}
