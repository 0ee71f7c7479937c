package dev.fusedtrainer.processor;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.annotation.processing.Completion;
import javax.annotation.processing.Filer;
import javax.annotation.processing.ProcessingEnvironment;
import javax.annotation.processing.Processor;
import javax.annotation.processing.RoundEnvironment;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.Element;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.TypeElement;

/**
 * Runs {@link FusedTrainerProcessor} with a Filer that records which files the processor asks for, even
 * in a compilation that fails (compile-testing shows generated files only after a successful one); or,
 * made {@link #failing()}, with a Filer whose every call throws, standing in for a bug in generation.
 */
final class FilerSpy implements Processor {
    private final Processor delegate = new FusedTrainerProcessor();
    private final boolean fail;
    private final List<String> requested = new ArrayList<>();

    private FilerSpy(boolean fail) {
        this.fail = fail;
    }

    static FilerSpy recording() {
        return new FilerSpy(false);
    }

    static FilerSpy failing() {
        return new FilerSpy(true);
    }

    /** The names of every file the processor asked the Filer for, in order. */
    List<String> requested() {
        return List.copyOf(requested);
    }

    @Override
    public void init(ProcessingEnvironment env) {
        Filer real = env.getFiler();
        Filer spy = proxy(Filer.class, (method, args) -> {
            if (fail) {
                throw new IllegalStateException("simulated Filer failure");
            }
            if (method.getName().startsWith("create")) {
                requested.add(String.valueOf(args[method.getName().equals("createResource") ? 2 : 0]));
            }
            return invoke(method, real, args);
        });
        delegate.init(proxy(ProcessingEnvironment.class,
                (method, args) -> method.getName().equals("getFiler") ? spy : invoke(method, env, args)));
    }

    private interface Handler {
        Object handle(Method method, Object[] args) throws Throwable;
    }

    private static <T> T proxy(Class<T> type, Handler handler) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
                (proxy, method, args) -> handler.handle(method, args)));
    }

    private static Object invoke(Method method, Object target, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @Override
    public Set<String> getSupportedOptions() {
        return delegate.getSupportedOptions();
    }

    @Override
    public Set<String> getSupportedAnnotationTypes() {
        return delegate.getSupportedAnnotationTypes();
    }

    @Override
    public SourceVersion getSupportedSourceVersion() {
        return delegate.getSupportedSourceVersion();
    }

    @Override
    public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment round) {
        return delegate.process(annotations, round);
    }

    @Override
    public Iterable<? extends Completion> getCompletions(Element element, AnnotationMirror annotation,
                                                         ExecutableElement member, String userText) {
        return delegate.getCompletions(element, annotation, member, userText);
    }
}
