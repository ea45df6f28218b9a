package dev.fanout.core.plugin;

import dev.fanout.api.BaseWriter;
import dev.fanout.api.TableReader;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Optional;

/**
 * Runs every call into a plugin with the plugin's class loader as the thread's context class loader,
 * as Kafka Connect and Trino do: libraries that look things up through it (JDBC drivers, JSON
 * modules, HTTP clients) then find the plugin's own copies, not the host's. Writers and readers a
 * wrapped provider returns are wrapped too, so the lane thread's calls are covered as well. A proxy
 * equals itself and any proxy of the same object, and hashes as that object.
 */
final class ContextClassLoaderProxy implements InvocationHandler {

    private final Object target;
    private final ClassLoader loader;

    private ContextClassLoaderProxy(Object target, ClassLoader loader) {
        this.target = target;
        this.loader = loader;
    }

    /** {@code target} behind {@code api}, its calls made with {@code loader} as context class loader. */
    static <T> T wrap(Class<T> api, T target, ClassLoader loader) {
        return api.cast(Proxy.newProxyInstance(api.getClassLoader(), new Class<?>[] {api}, new ContextClassLoaderProxy(target, loader)));
    }

    /** The object a proxy made by {@link #wrap} stands for, or {@code object} itself. */
    static Object unwrap(Object object) {
        if (object != null && Proxy.isProxyClass(object.getClass())
                && Proxy.getInvocationHandler(object) instanceof ContextClassLoaderProxy handler) {
            return handler.target;
        }
        return object;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        if (method.getName().equals("equals") && method.getParameterCount() == 1 && method.getParameterTypes()[0] == Object.class) {
            return proxy == args[0] || target.equals(unwrap(args[0]));
        }
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try {
            return wrapResult(method.invoke(target, args));
        } catch (InvocationTargetException e) {
            throw e.getCause();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    private Object wrapResult(Object result) {
        if (result instanceof BaseWriter writer) {
            return wrap(BaseWriter.class, writer, loader);
        }
        if (result instanceof Optional<?> optional && optional.isPresent() && optional.get() instanceof TableReader reader) {
            return Optional.of(wrap(TableReader.class, reader, loader));
        }
        return result;
    }
}
