/**
 * The server half of bench/http-platform.bench.ts: a Nest app with the gateway's kind of work
 * (a validated JSON body, a JSON answer) on the platform named by argv[2].
 */
import 'reflect-metadata';
import { Body, Controller, Get, Module, Post, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { IsEmail, IsIn, IsOptional, IsString, Length } from 'class-validator';

class AddClientBody {
  @IsString() @Length(1, 100) firstName!: string;
  @IsString() @Length(1, 100) lastName!: string;
  @IsEmail() email!: string;
  @IsIn(['full_access', 'full_access_one_way', 'offline']) type!: string;
  @IsOptional() @IsString() phone?: string;
}

@Controller()
class BenchController {
  @Get('ping')
  ping() {
    return { ok: true };
  }

  @Post('clients')
  add(@Body() body: AddClientBody) {
    return { id: '00000000-0000-4000-8000-000000000000', ...body, status: 'active' };
  }
}

@Module({ controllers: [BenchController] })
class BenchModule {}

async function main() {
  const platform = process.argv[2];
  const app =
    platform === 'fastify'
      ? await NestFactory.create<NestFastifyApplication>(BenchModule, new FastifyAdapter(), { logger: false })
      : await NestFactory.create(BenchModule, { logger: false });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  await app.listen(0, '127.0.0.1');
  process.send?.({ url: await app.getUrl() });
}

void main();
